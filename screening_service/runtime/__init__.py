"""The live state of a running service, and how it changes.

`packs` builds proven snapshots and holds the active one; `reload` rebuilds
it from the rule files (file watch, SIGHUP, admin RPC); `lookout` holds the
live lookout index; `screening` runs the pipeline against whatever is live
and replaces an engine that broke; `decision_log` records every decision.
The pure layers below (pipeline, rules, lookout, engine) know nothing of
this state.
"""
