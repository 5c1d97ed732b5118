package emulator

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// tokenClaims are the access-token claims the emulator issues and checks. They follow Entra's v1 access
// tokens for ARM and Log Analytics (iss = sts.windows.net style, appid, tid, oid).
type tokenClaims struct {
	Aud   string `json:"aud"`
	Iss   string `json:"iss"`
	Iat   int64  `json:"iat"`
	Nbf   int64  `json:"nbf"`
	Exp   int64  `json:"exp"`
	AppID string `json:"appid"`
	IdTyp string `json:"idtyp"`
	Oid   string `json:"oid"`
	Sub   string `json:"sub"`
	Tid   string `json:"tid"`
	Ver   string `json:"ver"`
	Name  string `json:"app_displayname,omitempty"`
}

var b64 = base64.RawURLEncoding

// signer signs tokens with an ephemeral ES256 key; tokens from another emulator instance never verify.
type signer struct {
	key *ecdsa.PrivateKey
	kid string
}

func newSigner() (*signer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("emulator: generate token key: %w", err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	sum := sha256.Sum256(pub)
	return &signer{key: k, kid: b64.EncodeToString(sum[:8])}, nil
}

func (s *signer) sign(c tokenClaims) (string, error) {
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": s.kid})
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signing := b64.EncodeToString(hdr) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signing))
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return signing + "." + b64.EncodeToString(sig), nil
}

var errTokenMalformed = errors.New("malformed token")
var errTokenSignature = errors.New("signature validation failed")

// verify checks the signature and decodes the claims; expiry and audience are judged by the caller,
// because ARM and the query API word those failures differently.
func (s *signer) verify(token string) (*tokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errTokenMalformed
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &hdr) != nil {
		return nil, errTokenMalformed
	}
	if hdr.Alg != "ES256" {
		return nil, errTokenSignature
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errTokenSignature
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&s.key.PublicKey, digest[:], r, sv) {
		return nil, errTokenSignature
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errTokenMalformed
	}
	var c tokenClaims
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, errTokenMalformed
	}
	return &c, nil
}

// clientAssertion is the decoded JWT a certificate credential sends instead of a secret.
type clientAssertion struct {
	alg, x5t, x5tS256 string
	signing           string
	sig               []byte
	Aud               string      `json:"aud"`
	Iss               string      `json:"iss"`
	Sub               string      `json:"sub"`
	Exp               json.Number `json:"exp"`
	Nbf               json.Number `json:"nbf"`
}

func parseClientAssertion(s string) (*clientAssertion, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errTokenMalformed
	}
	var hdr map[string]any
	hb, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &hdr) != nil {
		return nil, errTokenMalformed
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errTokenMalformed
	}
	a := &clientAssertion{signing: parts[0] + "." + parts[1]}
	if err := json.Unmarshal(pb, a); err != nil {
		return nil, errTokenMalformed
	}
	if a.sig, err = b64.DecodeString(parts[2]); err != nil {
		return nil, errTokenMalformed
	}
	a.alg, _ = hdr["alg"].(string)
	a.x5t, _ = hdr["x5t"].(string)
	a.x5tS256, _ = hdr["x5t#S256"].(string)
	return a, nil
}

// matches reports whether the assertion names cert by thumbprint and is signed by its key.
func (a *clientAssertion) verifiedBy(cert *x509.Certificate) bool {
	if a.x5tS256 != "" {
		sum := sha256.Sum256(cert.Raw)
		if !thumbprintEqual(a.x5tS256, sum[:]) {
			return false
		}
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return false
	}
	digest := sha256.Sum256([]byte(a.signing))
	switch a.alg {
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], a.sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], a.sig) == nil
	}
	return false
}

// thumbprintEqual accepts both standard and URL-safe base64, since clients differ.
func thumbprintEqual(enc string, want []byte) bool {
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := e.DecodeString(enc); err == nil {
			return string(b) == string(want)
		}
	}
	return false
}

func (a *clientAssertion) times() (nbf, exp time.Time) {
	if n, err := a.Nbf.Int64(); err == nil {
		nbf = time.Unix(n, 0)
	}
	if n, err := a.Exp.Int64(); err == nil {
		exp = time.Unix(n, 0)
	}
	return
}
