package emulator

import "strings"

// targetTenant is the tenant owning what a request addresses, for faults and access decisions:
// login requests name it in the path, ARM requests through the subscription, query requests through
// the workspace.
func (e *Emulator) targetTenant(c *call) string {
	w, st, err := e.state()
	if err != nil {
		return ""
	}
	switch c.surface {
	case surfaceLogin:
		if len(c.segs) > 0 {
			if t, ok := w.tenant(c.segs[0]); ok {
				return t.ID
			}
		}
	case surfaceARM:
		if len(c.lsegs) >= 2 && c.lsegs[0] == "subscriptions" {
			if s, ok := st.subscription(c.segs[1]); ok {
				return s.TenantID
			}
		}
	case surfaceQuery:
		if len(c.lsegs) >= 3 && c.lsegs[1] == "workspaces" {
			if ws, ok := e.findWorkspace(c.segs[2]); ok {
				if s, ok := st.subscription(parseARM(strings.Split(strings.Trim(str(ws["id"]), "/"), "/"), segs(str(ws["id"]))).subID); ok {
					return s.TenantID
				}
			}
		}
	}
	return ""
}
