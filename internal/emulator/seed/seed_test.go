package seed

import (
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func hashResources(w *World) [32]byte {
	h := sha256.New()
	for _, r := range w.Resources {
		h.Write([]byte(r.ID))
		h.Write(r.Body)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestBuildIsDeterministic(t *testing.T) {
	a := Build(Options{Seed: 3, Now: testNow, ExtraTenants: 4})
	b := Build(Options{Seed: 3, Now: testNow.Add(10 * time.Minute), ExtraTenants: 4}) // same hour
	if hashResources(a) != hashResources(b) {
		t.Fatal("two builds with the same options differ")
	}
	if !a.Options.Now.Equal(testNow.Truncate(time.Hour)) {
		t.Fatalf("Now not truncated to the hour: %v", a.Options.Now)
	}
}

func TestResourcesAreValidARMDocuments(t *testing.T) {
	w := Build(Options{Now: testNow, ExtraTenants: 2})
	seen := map[string]bool{}
	for _, r := range w.Resources {
		var d map[string]any
		if err := json.Unmarshal(r.Body, &d); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		if d["id"] != r.ID || d["name"] == "" || d["type"] == "" {
			t.Errorf("%s: id/name/type = %v/%v/%v", r.ID, d["id"], d["name"], d["type"])
		}
		if seen[r.ID] {
			t.Errorf("duplicate resource %s", r.ID)
		}
		seen[r.ID] = true
	}
	for _, ws := range w.Workspaces {
		if _, ok := w.Resource(ws.ResourceID); !ok {
			t.Errorf("workspace %s has no resource", ws.Name)
		}
		_, onboarded := w.Resource(ws.ResourceID + "/providers/Microsoft.SecurityInsights/onboardingStates/default")
		if onboarded != ws.Sentinel {
			t.Errorf("workspace %s: onboardingStates/default present=%v, Sentinel=%v", ws.Name, onboarded, ws.Sentinel)
		}
	}
	if len(w.Workspaces) != len(world.Workspaces())+2 {
		t.Errorf("ExtraTenants=2 gave %d workspaces", len(w.Workspaces))
	}
}

func TestLighthouseOnlyForDelegatedSubscriptions(t *testing.T) {
	w := Build(Options{Now: testNow, ExtraTenants: 3})
	assigned := map[string]bool{}
	for _, r := range w.Resources {
		var d struct {
			Type       string `json:"type"`
			Properties struct {
				RegistrationDefinitionID string `json:"registrationDefinitionId"`
			} `json:"properties"`
		}
		_ = json.Unmarshal(r.Body, &d)
		if d.Type == "Microsoft.ManagedServices/registrationAssignments" {
			if _, ok := w.Resource(d.Properties.RegistrationDefinitionID); !ok {
				t.Errorf("assignment %s points to a missing definition", r.ID)
			}
			assigned[r.ID[len("/subscriptions/"):len("/subscriptions/")+36]] = true
		}
	}
	for _, s := range w.Subscriptions {
		if assigned[s.ID] != (len(s.ManagedByTenants) > 0) {
			t.Errorf("subscription %s: assignment=%v managedBy=%v", s.Name, assigned[s.ID], s.ManagedByTenants)
		}
	}
}
