"""What a night does, stage by stage: `land` (discover, parse, load), `build` (the raw schema of a
warehouse build), `check` (reconciliation), `publish` (with `export`), `report`. Stages import no
Airflow or Cosmos: they run the same under a scheduler, in one process or in a test."""
