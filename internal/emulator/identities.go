package emulator

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// RegisterCertificate registers a certificate credential for an app (client id). Token requests with a
// client assertion signed by the certificate's key (PS256 or RS256, as MSAL sends) are then accepted.
func (e *Emulator) RegisterCertificate(clientID string, cert *x509.Certificate) error {
	if cert == nil || clientID == "" {
		return errors.New("emulator: RegisterCertificate needs a client id and a certificate")
	}
	e.certsMu.Lock()
	defer e.certsMu.Unlock()
	if e.certs == nil {
		e.certs = map[string][]*x509.Certificate{}
	}
	k := strings.ToLower(clientID)
	e.certs[k] = append(e.certs[k], cert)
	return nil
}

func (e *Emulator) certificates(a *appRec) []*x509.Certificate {
	e.certsMu.Lock()
	defer e.certsMu.Unlock()
	return append([]*x509.Certificate(nil), e.certs[strings.ToLower(a.ClientID)]...)
}

// SeedResource stores an ARM document as is (demos and tests): for resources Azure creates itself and
// the API cannot (incident alerts and entities, rule templates). The id must be under a subscription
// of the world; missing id, name and etag are filled in.
func (e *Emulator) SeedResource(id string, body []byte) error {
	_, st, err := e.state()
	if err != nil {
		return err
	}
	d, err := decodeDoc(body)
	if err != nil {
		return fmt.Errorf("emulator: SeedResource %s: %w", id, err)
	}
	ix := parseARM(strings.Split(strings.Trim(id, "/"), "/"), segs(id))
	if _, ok := st.subscription(ix.subID); !ok {
		return fmt.Errorf("emulator: SeedResource %s: unknown subscription %q", id, ix.subID)
	}
	d["id"] = id
	if str(d["name"]) == "" {
		d["name"] = lastSeg(id)
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if str(d["etag"]) == "" {
		d["etag"] = e.newEtag(st, etagQuoted)
	}
	st.put(id, d)
	e.changed()
	return nil
}
