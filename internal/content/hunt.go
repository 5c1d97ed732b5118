package content

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Hunt is a hunting query in the Azure-Sentinel hunting query YAML format, plus tags (the planted story kinds
// of the emulator are tags, so tests find the hunt that should surface each story).
type Hunt struct {
	ID                     string             `yaml:"id"`
	Name                   string             `yaml:"name"`
	Description            string             `yaml:"description"`
	RequiredDataConnectors []DataConnectorRef `yaml:"requiredDataConnectors"`
	Tactics                []string           `yaml:"tactics"`
	RelevantTechniques     []string           `yaml:"relevantTechniques"`
	Tags                   []string           `yaml:"tags,omitempty"`
	Query                  string             `yaml:"query"`
	EntityMappings         []EntityMapping    `yaml:"entityMappings,omitempty"`
	Version                string             `yaml:"version"`
}

// ParseHunt parses and validates one hunting query.
func ParseHunt(src []byte) (*Hunt, error) {
	var h Hunt
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("hunt YAML: %w", err)
	}
	var errs []error
	if !guidRE.MatchString(h.ID) {
		errs = append(errs, fmt.Errorf("id %q is not a GUID", h.ID))
	}
	if strings.TrimSpace(h.Name) == "" || strings.TrimSpace(h.Description) == "" {
		errs = append(errs, errors.New("name and description are required"))
	}
	if strings.TrimSpace(h.Query) == "" {
		errs = append(errs, errors.New("query is empty"))
	}
	if len(h.Tables()) == 0 {
		errs = append(errs, errors.New("requiredDataConnectors must name the tables the query needs"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("hunt %q: %w", h.Name, err)
	}
	return &h, nil
}

// Tables returns the tables the hunt needs.
func (h *Hunt) Tables() []string { return connectorTables(h.RequiredDataConnectors) }
