-- One row per UTC day, breakdown and topic: topic impact on NPS (macro topic_nps_impact_mart).
{{ cfm.topic_nps_impact_mart('day') }}
