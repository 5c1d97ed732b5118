// Package robustness holds the cross-cutting tests that try to break the server as a whole: every tool
// of the inventory is called through the MCP protocol, against the emulator, with references to
// tenants it must not reach, under storms of Azure faults, and with hostile or oversized input.
//
// The tests iterate over the tools the server lists (every toolset, writes enabled), so a new tool is
// covered the day it is registered; a tool whose arguments cannot be built from its input schema
// fails the tests until it gets an entry in the override table (args_test.go).
//
// Benchmarks here print the figures of the README (fan-out over many workspaces with injected
// latency, memory under concurrent calls, per-call overhead):
//
//	go test ./test/robustness -run '^$' -bench . -benchtime 1x
package robustness
