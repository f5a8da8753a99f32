"""Azure Monitor metrics: the counters registry engines write to (``metrics``),
the per-resource-type metric definitions (``catalog``), the query language of
the metrics API (``query``) and its ARM routes (``api``)."""
