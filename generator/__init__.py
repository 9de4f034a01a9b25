"""Sample-data generator for the customer-feedback pipeline.

``generate(records, seed, out_dir)`` writes, for one (records, seed, end_date):

- ``out_dir/sandbox/*.parquet``: canonical per-source records (customers, products, survey_responses,
  social_posts, tickets, returns, product_sales_daily) that the sandbox serves in each vendor's format;
- ``out_dir/landing/``: file drops for the file connectors (ticket exports as CSV + JSONL with mixed UTC
  offsets and ~0.3% malformed rows, survey and return CSV exports, CRM and sales CSVs);
- ``out_dir/truth/feedback_truth.parquet``: intended sentiment, topic, type, urgency, language and
  cross-channel duplicate of every text item; ``out_dir/truth/anomalies.json``: injected anomalies.

Records are ~35% surveys, 15% social posts, 30% tickets, 20% returns over ``days`` days (default 90) ending
``end_date`` (default: yesterday, UTC); ~60% English / 40% Chinese texts from the phrase banks in
``generator.phrases``. Everything is vectorised (numpy + polars) and deterministic: the same arguments give
byte-identical files. ``parse_anomaly("spike:negative_feedback:topic=delivery:2026-10-01:1:4")`` builds an
``AnomalySpec`` from a CLI string.
"""

from generator.core import generate
from generator.spec import AnomalySpec, GenerateSummary, parse_anomaly

__all__ = ["AnomalySpec", "GenerateSummary", "generate", "parse_anomaly"]
