//go:build race

package robustness

import "time"

func init() { perWorkspaceTimeout = 15 * time.Second }
