//go:build race

package robustness

import "time"

func init() { perWorkspaceTimeout = 30 * time.Second }
