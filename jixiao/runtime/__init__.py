"""What the stages run on: settings, the state folder, the ledger, the warehouse's own tables,
worker processes, parse limits, failpoints. It imports no stage."""
