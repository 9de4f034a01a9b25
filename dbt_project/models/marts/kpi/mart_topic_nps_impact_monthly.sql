-- One row per calendar month (UTC), breakdown and topic: topic impact on NPS (macro topic_nps_impact_mart).
{{ cfm.topic_nps_impact_mart('month') }}
