package seed

import (
	"math"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Volume planning. With Options.Rows the volume scale is the one whose planned row count over every
// workspace of the world is Rows. Planning computes each table's rows without generating them, from the
// same functions the generators use (hour counts, agents, rule runs), so the plan matches the data to
// within the few story and derived rows it estimates.

// volume returns the volume scale: Options.Scale, or the one Options.Rows asks for. It is computed once
// per World (it depends on Options only, never on which workspace is generated first).
func (w *World) volume() float64 {
	w.vol.once.Do(func() { w.vol.scale = w.solveScale() })
	return w.vol.scale
}

func (w *World) solveScale() float64 {
	if w.Options.Rows <= 0 {
		return w.Options.Scale
	}
	target := float64(w.Options.Rows)
	c := &planCache{}
	lo, hi := 1e-4, 1.0
	for w.plannedRows(hi, c) < target && hi < 1e6 {
		lo, hi = hi, hi*2
	}
	for i := 0; i < 40 && hi/lo > 1.0005; i++ {
		mid := math.Sqrt(lo * hi)
		if w.plannedRows(mid, c) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Sqrt(lo * hi)
}

// planCache keeps what planning computes once whatever the scale: the hour weights of each table of
// each workspace, and the fixed tables' rows.
type planCache struct {
	weights map[string][2][]float64 // workspace/table -> base, adjusted
	fixed   map[string][2]float64   // workspace/table -> rows, hours with data
}

func (c *planCache) hourWeights(w *World, ws world.Workspace, tg *tableGen) ([]float64, []float64) {
	key := ws.Name + "/" + tg.name
	if v, ok := c.weights[key]; ok {
		return v[0], v[1]
	}
	now, days := w.Options.Now, w.Options.Days
	start, tz := now.Add(-time.Duration(days)*24*time.Hour), cityOrCountryTZ(ws)
	v := [2][]float64{hourWeights(w.Facts, ws, tz, start, now, days, tg.name, tg.diurnal, false),
		hourWeights(w.Facts, ws, tz, start, now, days, tg.name, tg.diurnal, true)}
	if c.weights == nil {
		c.weights = map[string][2][]float64{}
	}
	c.weights[key] = v
	return v[0], v[1]
}

func (c *planCache) fixedRows(ws world.Workspace, table string, compute func() (float64, float64)) (float64, float64) {
	key := ws.Name + "/" + table
	if v, ok := c.fixed[key]; ok {
		return v[0], v[1]
	}
	n, h := compute()
	if c.fixed == nil {
		c.fixed = map[string][2]float64{}
	}
	c.fixed[key] = [2]float64{n, h}
	return n, h
}

// plannedRows is the planned number of rows of every workspace at a scale.
func (w *World) plannedRows(scale float64, c *planCache) float64 {
	total := 0.0
	for _, ws := range w.Workspaces {
		total += w.planWorkspace(ws, scale, c, nil)
	}
	return total
}

// planWorkspace is the planned number of rows of a workspace at a scale; each, if set, is told each table's
// planned rows (for the tests).
func (w *World) planWorkspace(ws world.Workspace, scale float64, c *planCache, each func(table string, rows float64)) float64 {
	now, days := w.Options.Now, w.Options.Days
	start := now.Add(-time.Duration(days) * 24 * time.Hour)
	hours := days * 24
	rows, usage := 0.0, 0.0
	for i := range generators {
		tg := &generators[i]
		if !tg.applies(ws, w.Facts) {
			continue
		}
		var n, withData float64
		switch tg.name {
		case "Heartbeat":
			size, beats := sizeFor(ws, scale), beatsPerAgent(days, scale)
			agents := agentCount(ws, scale, w.Facts)
			n = float64(agents * beats)
			if size.extraAgents > 0 { // the last one reported for part of the window
				n -= float64(agentFirstBeat(&host{Reported: size.lastAgentShare}, beats))
			}
			withData = math.Min(float64(hours), n)
		case "SentinelHealth":
			n, withData = c.fixedRows(ws, tg.name, func() (float64, float64) {
				runs := len(world.ConnectorsIn(ws.Name))
				for _, r := range deployedRules(ws, w.Facts) {
					runs += len(ruleRuns(r, start, now))
				}
				return float64(runs), float64(hours)
			})
		case "ThreatIntelligenceIndicator":
			n, withData = c.fixedRows(ws, tg.name, func() (float64, float64) {
				records := 0
				for i, ind := range tiFeed(w.Facts) {
					records += len(tiTimes(ind, i, start, now))
				}
				return float64(records), float64(records)
			})
		case "SecurityAlert", "SecurityIncident":
			n, withData = c.fixedRows(ws, tg.name, func() (float64, float64) {
				rows, hours := 0, map[time.Time]bool{}
				for _, inc := range w.Facts.AllIncidentsIn(ws.Name) {
					var times []time.Time
					if tg.name == "SecurityAlert" {
						for _, a := range inc.Alerts {
							times = append(times, now.Add(-a.Ago))
						}
					} else {
						for _, ch := range incidentChanges(inc, now) {
							times = append(times, ch.at)
						}
					}
					for _, at := range times {
						if !at.Before(start) {
							rows++
							hours[at.Truncate(time.Hour)] = true
						}
					}
				}
				return float64(rows), float64(len(hours))
			})
		case "Usage":
			continue
		default:
			perEvent := max(1, tg.perEvent)
			bg := int(math.Round(tg.perDay * float64(days) * scale * weight(ws)))
			base, adjusted := c.hourWeights(w, ws, tg)
			counts := hourCounts(base, adjusted, bg/perEvent)
			for _, k := range counts {
				n += float64(k * perEvent)
				if k > 0 {
					withData++
				}
			}
		}
		rows += n
		usage += withData
		if each != nil {
			each(tg.name, n)
		}
	}
	if each != nil {
		each("Usage", usage)
	}
	return rows + usage + float64(storyRows(ws, w.Facts))
}

// storyRows is the number of rows the stories of a workspace add to its tables.
func storyRows(ws world.Workspace, f world.Facts) int {
	n := 0
	ueba := !f.Has(ws.Name, world.DiffUEBADisabled, "")
	for _, s := range f.StoriesIn(ws.Name) {
		switch s.Kind {
		case world.StoryPasswordSpray:
			n += s.Count + 1 // failures and the success
		case world.StoryImpossibleTravel:
			n += 2 * len(s.IPs)
		case world.StoryEncodedPowerShell:
			n += 2*len(storyProcs(s.Host)) + 2 // SecurityEvent and Defender processes, connection, firewall
		case world.StoryMassDownload, world.StoryRoleAssignment, world.StoryDNSBeacon, world.StoryFirewallProbe:
			n += s.Count
		case world.StoryInboxForwarding:
			n++
		case world.StoryVPNForeignLogin:
			n += 2 // session start and end
		}
		if ueba && (s.Kind == world.StoryPasswordSpray || s.Kind == world.StoryImpossibleTravel) {
			n++ // the UEBA activity
		}
	}
	return n
}

// cityOrCountryTZ is the time zone of a workspace's tenant (as newPopulation sets its home).
func cityOrCountryTZ(ws world.Workspace) int {
	if ws.Synthetic {
		return placeOf(extraCountry(ws.TenantAlias)).TZ
	}
	h := tenantHome[ws.TenantAlias]
	return cityOf(h[0], h[1]).TZ
}

// agentCount is the number of agent machines newPopulation gives a workspace at a scale.
func agentCount(ws world.Workspace, scale float64, f world.Facts) int {
	n := sizeFor(ws, scale).extraAgents
	switch {
	case !ws.Sentinel:
		return n + 2
	case ws.Synthetic:
		return n + 2
	}
	n += 3 // domain controller, web server, Linux collector
	seen := map[string]bool{}
	for _, s := range f.StoriesIn(ws.Name) {
		if s.Host != "" && !seen[s.Host] {
			seen[s.Host] = true
			n++
		}
	}
	return n
}
