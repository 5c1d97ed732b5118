package eval

// scope is the name scope operators and batches carry. The compiler
// resolves every name itself (env, compile_env.go) into column indexes and
// constants before an operator runs, so operators receive nil; the slot
// remains for query-level state an operator may need.
type scope struct{}
