package emulator

import (
	"crypto/x509"
	"errors"
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
