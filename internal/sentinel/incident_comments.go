package sentinel

import (
	"context"
	"time"
)

// IncidentComment is a comment on an incident.
type IncidentComment struct {
	Raw `json:"-"`
	Envelope
	Properties IncidentCommentProperties `json:"properties"`
}

// IncidentCommentProperties are a comment's properties; only Message is written, the rest is set by
// Sentinel.
type IncidentCommentProperties struct {
	Message             string        `json:"message"`
	CreatedTimeUTC      time.Time     `json:"createdTimeUtc,omitzero"`
	LastModifiedTimeUTC time.Time     `json:"lastModifiedTimeUtc,omitzero"`
	Author              CommentAuthor `json:"author"`
}

// CommentAuthor is who wrote a comment (an app has neither e-mail nor UPN).
type CommentAuthor struct {
	ObjectID          string `json:"objectId"`
	Email             string `json:"email"`
	UserPrincipalName string `json:"userPrincipalName"`
	Name              string `json:"name"`
}

// String is the author's most readable name.
func (a CommentAuthor) String() string {
	for _, s := range []string{a.UserPrincipalName, a.Email, a.Name, a.ObjectID} {
		if s != "" {
			return s
		}
	}
	return ""
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (c *IncidentComment) UnmarshalJSON(b []byte) error {
	type plain IncidentComment
	return UnmarshalKeep(b, (*plain)(c), &c.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (c IncidentComment) MarshalJSON() ([]byte, error) {
	type plain IncidentComment
	return MarshalKeep(plain(c), c.Raw)
}

// MaxCommentLength is the longest comment message Sentinel accepts.
const MaxCommentLength = 30000

// OrderCommentsNewest lists comments newest first.
const OrderCommentsNewest = "properties/createdTimeUtc desc"

// IncidentComments reads the comments of an incident (by name), in q's order ($orderby; Sentinel's
// default is oldest first) and filter, up to max (<= 0: all, capped by the ARM client at 10,000).
// truncated reports the cap.
func (c *Client) IncidentComments(ctx context.Context, incident string, q Query, max int) (comments []IncidentComment, truncated bool, err error) {
	path, err := c.ResourcePath("incidents", incident, "comments")
	if err != nil {
		return nil, false, err
	}
	items, truncated, err := c.ListAll(ctx, path, q, max)
	if err != nil {
		return nil, false, err
	}
	comments, err = DecodeAll[IncidentComment](items)
	return comments, truncated, err
}

// AddIncidentComment adds a comment to an incident (by name) and returns it as stored.
func (c *Client) AddIncidentComment(ctx context.Context, incident, message string) (*IncidentComment, error) {
	path, err := c.ResourcePath("incidents", incident, "comments", NewName())
	if err != nil {
		return nil, err
	}
	in := IncidentComment{Properties: IncidentCommentProperties{Message: message}}
	var out IncidentComment
	if err := c.Put(ctx, path, in, "", &out); err != nil {
		return nil, err
	}
	return &out, nil
}
