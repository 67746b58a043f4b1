"""The rule language, pure: rule files -> parse -> check -> compile (-> prove on a given engine).

`parse` reads a pack directory into a `model.Pack` with positions;
`condition_parser` turns a `when` text into a `condition_ast` tree; `check`
types it against the field catalog; `compile` turns it into durable-rules
patterns and an `engine.spec.EngineSpec`; `prove` runs each rule's own
examples on an engine it is handed; `build.compile_directory` chains them.
Nothing here holds live state: the runtime layer does.
"""
