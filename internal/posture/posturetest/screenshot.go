package posturetest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Chromium finds a headless browser: $CHROMIUM, else chromium, chromium-browser or google-chrome on
// PATH ("" when there is none).
func Chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Screenshot dimensions.
const (
	ShotWidth  = 1280
	ShotHeight = 2400
)

// Screenshot renders a report page in headless Chromium and fails the test unless the image is a
// rendered report: the right size, not blank (pixel variance, colours), the dark masthead above a
// light page (the inline stylesheet was applied). CI=true makes Chromium required (.ci/run installs
// it); elsewhere the test skips without it. SCREENSHOT_DIR keeps the PNG as name.png.
func Screenshot(t testing.TB, page []byte, name string) image.Image {
	t.Helper()
	bin := Chromium()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("headless Chromium is required in CI (.ci/run installs the Debian package chromium); set CHROMIUM to its path")
		}
		t.Skip("no chromium on PATH (apt-get install chromium, or set CHROMIUM)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "report.html")
	if err := os.WriteFile(in, page, 0o600); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=1280,2400", "file://"+in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	if d := os.Getenv("SCREENSHOT_DIR"); d != "" {
		_ = os.WriteFile(filepath.Join(d, name+".png"), raw, 0o644)
	}
	if len(raw) < 50<<10 {
		t.Errorf("the screenshot is only %d bytes: the page did not render", len(raw))
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != ShotWidth || b.Dy() != ShotHeight {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), ShotWidth, ShotHeight)
	}
	mean, variance, colors := stats(img)
	if variance < 200 || colors < 64 {
		t.Errorf("the screenshot looks blank: luminance mean %.0f, variance %.0f, %d distinct colors", mean, variance, colors)
	}
	if l := Luminance(img, 20, 20); l > 80 {
		t.Errorf("masthead luminance %.0f: the header is not dark", l)
	}
	if l := Luminance(img, 8, 600); l < 200 {
		t.Errorf("page background luminance %.0f: the page is not light", l)
	}
	return img
}

// Luminance is the relative luminance (0-255) of a pixel.
func Luminance(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 257
}

func stats(img image.Image) (mean, variance float64, colors int) {
	b := img.Bounds()
	seen := map[uint32]bool{}
	var sum, sq, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			l := Luminance(img, x, y)
			sum, sq, n = sum+l, sq+l*l, n+1
		}
	}
	mean = sum / n
	return mean, sq/n - mean*mean, len(seen)
}
