// Package contract holds the contract tests of the emulator: they replay the official Azure REST API
// examples (../shared/azure-api-examples) through the pinned Azure SDK clients against a running
// emulator and check that each request is accepted and each response decodes into the SDK types with
// the fields of the example. The package has no non-test code; it lives under internal/azure because
// that is the only place allowed to import the Azure SDK.
package contract
