"""The one-page HTML report, written from the publication right after it is swapped in.

Reads only the published DuckDB file (CFM_PUBLISH_DIR/feedback.duckdb), so it shows audited numbers only,
and writes `report.html` (English) and `report.zh.html` (Chinese) beside it. It does not touch the warehouse,
so it takes no slot of the `warehouse` pool.
"""

import dagster as dg

from orchestration.assets.publish import SERVING_COPY_KEY
from orchestration.settings import get_settings
from reporting import PUBLISHED_FILE_NAME, REPORT_FILES, write_report


@dg.asset(
    key=["published", "report"],
    deps=[SERVING_COPY_KEY],
    group_name="publish",
    kinds={"html", "plotly"},
    description=(
        "Self-contained HTML report (headline NPS/CSAT/CES with intervals and significance, trends, drivers, "
        "anomalies, SLA, returns) in English and Chinese, from the published file: "
        "CFM_PUBLISH_DIR/report.html and report.zh.html."
    ),
)
def report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = get_settings()
    published = settings.publish_dir / PUBLISHED_FILE_NAME
    if not published.exists():
        raise dg.Failure(description=f"No publication at {published}: the report needs a published file.")
    results = {
        lang: write_report(published, settings.publish_dir / name, lang)
        for lang, name in REPORT_FILES.items()
    }
    english = results["en"]
    if english.empty_sections:
        context.log.warning(f"Report sections without data: {', '.join(english.empty_sections)}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(english.path)),
            "path_zh": dg.MetadataValue.path(str(results["zh"].path)),
            "as_of": dg.MetadataValue.text(english.as_of or "no data"),
            "charts": dg.MetadataValue.int(len(english.charts)),
            "empty_sections": dg.MetadataValue.json(english.empty_sections),
            "size_bytes": dg.MetadataValue.int(english.size_bytes),
        }
    )
