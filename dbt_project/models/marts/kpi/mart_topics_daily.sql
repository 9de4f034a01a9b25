-- One row per UTC day, breakdown and primary topic: feedback volume and sentiment mix by primary topic (macro topics_mart).
{{ cfm.topics_mart('day') }}
