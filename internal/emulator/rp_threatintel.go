package emulator

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// Microsoft.SecurityInsights threat intelligence indicators (threatIntelligence/main/...): CRUD,
// createIndicator, queryIndicators (filtering criteria, sort, pageSize), append/replace tags, metrics.

const tiType = "Microsoft.SecurityInsights/ThreatIntelligence"

func init() {
	ti := sentinelPrefix + "threatintelligence/main/"
	addType(ti+"indicators/*", &rtype{armType: tiType, paged: true, get: true, put: true, del: true, build: buildIndicator})
	addRoute(ti+"createindicator", "POST", func(c *call) { c.e.createIndicator(c) })
	addRoute(ti+"queryindicators", "POST", func(c *call) { c.e.queryIndicators(c) })
	addRoute(ti+"indicators/*/appendtags", "POST", func(c *call) { c.e.indicatorTags(c, true) })
	addRoute(ti+"indicators/*/replacetags", "POST", func(c *call) { c.e.indicatorTags(c, false) })
	addRoute(ti+"metrics", "GET", func(c *call) { c.e.indicatorMetrics(c) })
}

func buildIndicator(c *call, id string, old, d doc) *apiError {
	if !strings.EqualFold(str(d["kind"]), "indicator") {
		return badRequest("BadRequest", "The threat intelligence kind must be 'indicator'.")
	}
	d["kind"] = "indicator"
	p := ensureProps(d)
	if str(p["pattern"]) == "" || str(p["patternType"]) == "" {
		return badRequest("BadRequest", "Indicators require pattern and patternType.")
	}
	var op map[string]any
	if old != nil {
		op = props(old)
	}
	keepFrom(op, p, "created", "externalId")
	if op == nil {
		p["created"] = c.stamp()
		p["externalId"] = "indicator--" + newGUID()
	}
	for _, k := range []string{"modified", "validUntil"} {
		if s, ok := p[k].(string); ok && s == "" {
			delete(p, k)
		}
	}
	p["lastUpdatedTimeUtc"] = c.stamp()
	return nil
}

func tiCollection(c *call) string {
	i := strings.Index(strings.ToLower(c.resourceID()), "/threatintelligence/main")
	return c.resourceID()[:i] + "/threatIntelligence/main/indicators"
}

func (e *Emulator) createIndicator(c *call) {
	body, err := c.readBody()
	if err != nil {
		c.fail(err)
		return
	}
	id := tiCollection(c) + "/" + newGUID()
	t := &rtype{armType: tiType, build: buildIndicator}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	d, err := e.prepareDoc(c, t, id, nil, body)
	if err != nil {
		c.fail(err)
		return
	}
	_, st, _ := e.state()
	st.put(id, d)
	e.changed()
	c.ok(http.StatusCreated, d)
}

func (e *Emulator) indicatorTags(c *call, appendTags bool) {
	body, aerr := c.readBody()
	if aerr != nil {
		c.fail(aerr)
		return
	}
	id := collectionPathOf(c.resourceID())
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	_, st, _ := e.state()
	cur, ok := st.get(id)
	if !ok {
		c.fail(notFound(id))
		return
	}
	d := cloneDoc(cur)
	p := ensureProps(d)
	var tags []any
	if appendTags {
		tags, _ = p["threatIntelligenceTags"].([]any)
		add, _ := body["threatIntelligenceTags"].([]any)
		tags = append(tags, add...)
	} else {
		tags, _ = props(body)["threatIntelligenceTags"].([]any)
		if tags == nil {
			tags, _ = body["threatIntelligenceTags"].([]any)
		}
	}
	p["threatIntelligenceTags"] = nonNilAny(tags)
	p["lastUpdatedTimeUtc"] = c.stamp()
	d["etag"] = e.newEtag(st, etagQuoted)
	st.put(str(d["id"]), d)
	e.changed()
	if appendTags {
		c.w.WriteHeader(http.StatusOK)
		return
	}
	c.ok(http.StatusOK, d)
}

func nonNilAny(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func (e *Emulator) queryIndicators(c *call) {
	body, aerr := c.readBody()
	if aerr != nil {
		c.fail(aerr)
		return
	}
	_, st, _ := e.state()
	items := st.list(tiCollection(c))
	num := func(k string) (float64, bool) {
		n, err := numberOf(body[k])
		return n, err == nil
	}
	inList := func(k, v string) bool {
		l, ok := body[k].([]any)
		if !ok || len(l) == 0 {
			return true
		}
		for _, x := range l {
			if strings.EqualFold(toStr(x), v) {
				return true
			}
		}
		return false
	}
	var out []doc
	for _, d := range items {
		p := props(d)
		conf, _ := numberOf(p["confidence"])
		if n, ok := num("minConfidence"); ok && conf < n {
			continue
		}
		if n, ok := num("maxConfidence"); ok && conf > n {
			continue
		}
		if !inList("sources", str(p["source"])) || !inList("patternTypes", str(p["patternType"])) {
			continue
		}
		if ids, ok := body["ids"].([]any); ok && len(ids) > 0 && !inList("ids", str(d["name"])) {
			continue
		}
		if vu := str(p["validUntil"]); vu != "" {
			if t, err := time.Parse(time.RFC3339Nano, vu); err == nil {
				if m, err := time.Parse(time.RFC3339Nano, str(body["minValidUntil"])); err == nil && t.Before(m) {
					continue
				}
				if m, err := time.Parse(time.RFC3339Nano, str(body["maxValidUntil"])); err == nil && t.After(m) {
					continue
				}
			}
		}
		if kws, ok := body["keywords"].([]any); ok && len(kws) > 0 {
			hay := strings.ToLower(str(p["displayName"]) + " " + str(p["description"]) + " " + str(p["pattern"]))
			match := false
			for _, k := range kws {
				if strings.Contains(hay, strings.ToLower(toStr(k))) {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		out = append(out, d)
	}
	if sb, ok := body["sortBy"].([]any); ok && len(sb) > 0 {
		m, _ := sb[0].(map[string]any)
		key, desc := str(m["itemKey"]), strings.EqualFold(str(m["sortOrder"]), "descending")
		sort.SliceStable(out, func(i, j int) bool {
			c := odataCompare(props(out[i])[key], toStr(props(out[j])[key]))
			return (c < 0) != desc
		})
	}
	size := -1
	if n, ok := num("pageSize"); ok && n > 0 {
		size = int(n)
	}
	c.page(nonNil(out), size)
}

func (e *Emulator) indicatorMetrics(c *call) {
	_, st, _ := e.state()
	count := func(key string) []any {
		m := map[string]int{}
		for _, d := range st.list(tiCollection(c)) {
			switch v := props(d)[key].(type) {
			case []any:
				for _, x := range v {
					m[toStr(x)]++
				}
			case string:
				m[v]++
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := []any{}
		for _, k := range keys {
			out = append(out, map[string]any{"metricName": k, "metricValue": m[k]})
		}
		return out
	}
	c.ok(http.StatusOK, doc{"value": []any{map[string]any{"properties": map[string]any{
		"lastUpdatedTimeUtc": c.stamp(), "threatTypeMetrics": count("threatTypes"),
		"patternTypeMetrics": count("patternType"), "sourceMetrics": count("source")}}}})
}
