package incidents

import (
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
)

// timeText renders a time for results ("" when unset).
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return render.FormatTime(t)
}
