"""Reference exports dropped in CFM_LANDING_DIR (CRM customers and products, daily product sales), landed into
raw tables the same way as every other file source (see orchestration/assets/landing.py)."""


import dagster as dg

from orchestration.assets.landing import EXPORT_SUFFIXES, land_folder
from orchestration.settings import get_settings
from warehouse import connect
from warehouse.landing import LandingSpec, LandResult, land_export_file

CRM_CUSTOMERS = LandingSpec(
    source="crm",
    entity="customers",
    key=("customer_id",),
    columns=("customer_id", "name", "email", "phone", "handle", "country", "signup_date"),
    required=("customer_id",),
    types={"signup_date": "date"},
)

CRM_PRODUCTS = LandingSpec(
    source="crm",
    entity="products",
    key=("product_id",),
    columns=("product_id", "name", "category", "price"),
    required=("product_id",),
    types={"price": "float"},
    ranges={"price": (0, 1e9)},
)

PRODUCT_SALES_DAILY = LandingSpec(
    source="sales",
    entity="product_sales_daily",
    key=("sale_date", "product_id"),
    columns=("sale_date", "product_id", "orders", "units"),
    required=("sale_date", "product_id", "units"),
    types={"sale_date": "date", "orders": "int", "units": "int"},
    ranges={"orders": (0, 1e9), "units": (0, 1e9)},
)


def land_named_files(spec: LandingSpec, folder_name: str, log: dg.DagsterLogManager | None = None) -> dict:
    """`land_folder` for a folder several tables share: crm/ holds customers*.csv and products*.csv, so a spec
    lands only the files whose name starts with its entity."""
    folder = get_settings().landing_dir / folder_name
    paths = sorted(folder.glob(f"{spec.entity}*")) if folder.exists() else []
    files = [p for p in paths if p.suffix.lower() in EXPORT_SUFFIXES]
    total, landed_files, skipped = LandResult(), 0, 0
    with connect(get_settings().warehouse) as con:
        for path in files:
            result = land_export_file(con, spec, path)
            if result is None:
                skipped += 1
                continue
            landed_files += 1
            total.add(result)
            if log and result.quarantined:
                log.warning(f"{spec.source}: {path.name}: {result.quarantined} quarantined {result.reasons}")
    metadata = {k: v for k, v in total.as_metadata().items() if k != "reasons"}
    return {
        "folder": str(folder),
        "files_landed": landed_files,
        "files_already_landed": skipped,
        **metadata,
        "quarantine_reasons": total.reasons,
    }


@dg.asset(
    key=["crm", "customers"],
    group_name="reference",
    pool="warehouse",
    description="CRM customer exports (CFM_LANDING_DIR/crm/customers*.csv) into raw.crm__customers.",
    kinds={"duckdb", "csv"},
)
def crm__customers(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata=land_named_files(CRM_CUSTOMERS, "crm", context.log))


@dg.asset(
    key=["crm", "products"],
    group_name="reference",
    pool="warehouse",
    description="Product catalogue exports (CFM_LANDING_DIR/crm/products*.csv) into raw.crm__products.",
    kinds={"duckdb", "csv"},
)
def crm__products(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata=land_named_files(CRM_PRODUCTS, "crm", context.log))


@dg.asset(
    key=["sales", "product_sales_daily"],
    group_name="reference",
    pool="warehouse",
    description="Daily unit sales per product (CFM_LANDING_DIR/sales/) into raw.sales__product_sales_daily.",
    kinds={"duckdb", "csv"},
)
def sales__product_sales_daily(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata=land_folder(PRODUCT_SALES_DAILY, "sales", context.log))


reference_file_assets = [crm__customers, crm__products, sales__product_sales_daily]
