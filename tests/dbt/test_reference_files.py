"""The CRM and sales reference files land through their Dagster assets like every other file drop."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.reference_files import reference_file_assets


def _drop(landing: Path) -> None:
    (landing / "crm").mkdir(parents=True)
    (landing / "sales").mkdir(parents=True)
    (landing / "crm" / "customers.csv").write_text(
        "customer_id,name,email,phone,handle,country,signup_date\n"
        "C000001,Ann,ann@example.com,+100,ann_01,USA,2025-01-02\n"
        "C000002,Bo,bo@example.com,+200,bo_02,CHN,not-a-date\n"
    )
    (landing / "crm" / "products.csv").write_text(
        "product_id,name,category,price\nP0001,Plug,smart_home,20.5\nP0002,Lamp,smart_home,-3\n"
    )
    (landing / "sales" / "product_sales_daily.csv").write_text(
        "sale_date,product_id,orders,units\n2026-01-01,P0001,2,3\n2026-01-01,P0002,1,1\n2026-01-02,P0001,0,0\n"
    )


def test_reference_files_land_once_with_bad_rows_quarantined(cfm_env: Path):
    _drop(cfm_env / "landing")
    result = dg.materialize(reference_file_assets)
    assert result.success
    metadata = {
        node: result.asset_materializations_for_node(node)[0].metadata
        for node in ("crm__customers", "crm__products", "sales__product_sales_daily")
    }
    assert metadata["crm__customers"]["inserted"].value == 1
    assert metadata["crm__customers"]["quarantined"].value == 1
    assert metadata["crm__products"]["inserted"].value == 1  # the negative price is quarantined
    assert metadata["sales__product_sales_daily"]["inserted"].value == 3
    keys = {key.to_user_string() for asset in reference_file_assets for key in asset.keys}
    assert keys == {"crm/customers", "crm/products", "sales/product_sales_daily"}

    with duckdb.connect(str(cfm_env / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select customer_id from raw.crm__customers").fetchall() == [("C000001",)]
        assert con.execute("select product_id from raw.crm__products").fetchall() == [("P0001",)]
        reasons = con.execute("select source, entity, field from raw.quarantine order by entity").fetchall()
        assert reasons == [("crm", "customers", "signup_date"), ("crm", "products", "price")]

    again = dg.materialize(reference_file_assets)
    landed = again.asset_materializations_for_node("crm__customers")[0].metadata
    assert landed["files_landed"].value == 0 and landed["files_already_landed"].value == 1
