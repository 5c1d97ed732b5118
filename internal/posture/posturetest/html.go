package posturetest

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// CheckHTML parses a report page with an HTML5 parser and fails the test unless it is safe and
// self-contained: no element that runs or loads something (script, iframe, object, embed, img, link,
// base, form, meta refresh), no event-handler attribute, no URL attribute pointing anywhere, no CSS
// url(), and the Content-Security-Policy that forbids loading anything. It returns the parsed page.
func CheckHTML(t testing.TB, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("the report is not parseable HTML: %v", err)
	}
	banned := map[string]bool{"script": true, "iframe": true, "object": true, "embed": true, "img": true, "link": true,
		"base": true, "form": true, "frame": true, "audio": true, "video": true, "foreignobject": true, "image": true, "use": true}
	csp := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if banned[strings.ToLower(n.Data)] {
				t.Errorf("the report has a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(a.Val)
				switch {
				case strings.HasPrefix(key, "on"):
					t.Errorf("<%s> has an event handler %s=%q", n.Data, a.Key, a.Val)
				case key == "href" || key == "src" || key == "action" || key == "formaction" || strings.HasSuffix(key, ":href") || key == "srcset":
					t.Errorf("<%s> has a URL attribute %s=%q", n.Data, a.Key, a.Val)
				case key == "style" && strings.Contains(val, "url("):
					t.Errorf("<%s> style loads %q", n.Data, a.Val)
				case key == "http-equiv" && val == "refresh":
					t.Errorf("the report has a meta refresh")
				case key == "http-equiv" && val == "content-security-policy":
					for _, c := range n.Attr {
						if c.Key == "content" && strings.Contains(c.Val, "default-src 'none'") {
							csp = true
						}
					}
				}
			}
			if n.Data == "style" && n.FirstChild != nil && strings.Contains(n.FirstChild.Data, "url(") {
				t.Errorf("the stylesheet loads a URL")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !csp {
		t.Error("the report has no Content-Security-Policy with default-src 'none'")
	}
	return doc
}

// Text returns the text content of the elements of doc with a class (e.g. "pill"), in order.
func Text(doc *html.Node, class string) []string {
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "class" && hasClass(a.Val, class) {
					out = append(out, textOf(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func hasClass(list, class string) bool {
	for _, c := range strings.Fields(list) {
		if c == class {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}
