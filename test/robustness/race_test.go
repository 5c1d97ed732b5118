//go:build race

package robustness

import "time"

func init() { perWorkspaceTimeout = 8 * time.Second }
