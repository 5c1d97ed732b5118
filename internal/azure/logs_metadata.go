package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Metadata is a workspace's schema as the query API's metadata endpoint describes it: its tables
// (with columns), the functions saved in it, and the solutions, categories and resource types that
// relate them. Raw keeps the whole answer (queries, applications, permissions...).
type Metadata struct {
	Tables        []MetadataTable        `json:"tables"`
	Functions     []MetadataFunction     `json:"functions"`
	Solutions     []MetadataSolution     `json:"solutions"`
	Categories    []MetadataCategory     `json:"categories"`
	ResourceTypes []MetadataResourceType `json:"resourceTypes"`
	Workspaces    []MetadataWorkspace    `json:"workspaces"`
	Raw           json.RawMessage        `json:"-"`
}

// MetadataTable is one table. TimespanColumn is the column a query's timespan filters on.
type MetadataTable struct {
	ID             string           `json:"id"`
	Name           string           `json:"name"`
	Description    string           `json:"description"`
	TimespanColumn string           `json:"timespanColumn"`
	Columns        []MetadataColumn `json:"columns"`
	Related        MetadataRelated  `json:"related"`
}

// MetadataColumn is one column and its Kusto type (string, long, datetime, dynamic...).
type MetadataColumn struct {
	Name             string `json:"name"`
	Type             string `json:"type"`
	Description      string `json:"description"`
	IsPreferredFacet bool   `json:"isPreferredFacet"`
}

// MetadataRelated lists what an item relates to, by id.
type MetadataRelated struct {
	Tables        []string `json:"tables"`
	Functions     []string `json:"functions"`
	Solutions     []string `json:"solutions"`
	Categories    []string `json:"categories"`
	ResourceTypes []string `json:"resourceTypes"`
	Workspaces    []string `json:"workspaces"`
}

// MetadataFunction is a function saved in the workspace; Parameters is its declaration text
// ("a:string, b:int = 5").
type MetadataFunction struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	DisplayName string          `json:"displayName"`
	Description string          `json:"description"`
	Body        string          `json:"body"`
	Parameters  string          `json:"parameters"`
	Category    string          `json:"category"`
	Related     MetadataRelated `json:"related"`
}

// MetadataSolution is a solution installed in the workspace.
type MetadataSolution struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	DisplayName string          `json:"displayName"`
	Description string          `json:"description"`
	Related     MetadataRelated `json:"related"`
}

// MetadataCategory groups tables (Security, Audit...).
type MetadataCategory struct {
	ID          string          `json:"id"`
	DisplayName string          `json:"displayName"`
	Related     MetadataRelated `json:"related"`
}

// MetadataResourceType is an Azure resource type whose logs some tables hold.
type MetadataResourceType struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	DisplayName string          `json:"displayName"`
	Related     MetadataRelated `json:"related"`
}

// MetadataWorkspace is the workspace the answer describes.
type MetadataWorkspace struct {
	ID         string          `json:"id"`
	ResourceID string          `json:"resourceId"`
	Name       string          `json:"name"`
	Region     string          `json:"region"`
	Related    MetadataRelated `json:"related"`
}

// Table returns the table named name, or nil.
func (m *Metadata) Table(name string) *MetadataTable {
	for i := range m.Tables {
		if m.Tables[i].Name == name {
			return &m.Tables[i]
		}
	}
	return nil
}

// metadataTimeout bounds one attempt: the answer describes every table of the workspace.
const metadataTimeout = 60 * time.Second

// Metadata reads the schema of the workspace with customer id workspaceID
// (GET /v1/workspaces/{id}/metadata).
func (l *Logs) Metadata(ctx context.Context, workspaceID string) (*Metadata, error) {
	if strings.TrimSpace(workspaceID) == "" {
		return nil, fmt.Errorf("azure: the metadata request needs the workspace id (customer id)")
	}
	u, err := buildURL(l.endpoint, "/v1/workspaces/"+url.PathEscape(workspaceID)+"/metadata", nil, ServiceLogs)
	if err != nil {
		return nil, err
	}
	resp, err := doPipeline(withTryTimeout(ctx, metadataTimeout), l.pl, ServiceLogs, Request{Method: http.MethodGet}, u)
	if err != nil {
		return nil, err
	}
	m := &Metadata{Raw: json.RawMessage(bytes.Clone(resp.Body))}
	if err := json.Unmarshal(resp.Body, m); err != nil {
		return nil, fmt.Errorf("azure: the workspace metadata is not the expected JSON: %v", err)
	}
	return m, nil
}
