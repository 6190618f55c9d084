package temporaltls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// ClientSettings are how duty reaches an external Temporal frontend over
// TLS: the TEMPORAL_TLS_* variables (the names Temporal's own CLI reads)
// or their --temporal-tls-* flags.
type ClientSettings struct {
	// CertFile and KeyFile are the client certificate and its key (PEM),
	// for a frontend that requires mutual TLS.
	CertFile, KeyFile string
	// CAFile holds the CA certificates (PEM) the frontend's certificate
	// must chain to; empty trusts the system's roots.
	CAFile string
	// ServerName is the name the frontend's certificate must carry, when
	// it is not the host dialled.
	ServerName string
	// DisableHostVerification accepts the frontend's certificate whatever
	// name it carries. Its chain is still verified (unlike Go's
	// InsecureSkipVerify): a cluster with certificates made for other
	// names can be used, an impostor with a certificate from another CA
	// cannot.
	DisableHostVerification bool
}

// Enabled reports whether any setting is given: each one only makes sense
// over TLS, so any of them turns it on.
func (s ClientSettings) Enabled() bool {
	return s.CertFile != "" || s.KeyFile != "" || s.CAFile != "" || s.ServerName != "" || s.DisableHostVerification
}

// Config is the client's TLS configuration, or nil (plain gRPC) when no
// setting is given. The files are read once, here.
func (s ClientSettings) Config() (*tls.Config, error) {
	if !s.Enabled() {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: s.ServerName}
	if (s.CertFile == "") != (s.KeyFile == "") {
		return nil, errors.New("a TLS client certificate needs its key and a key its certificate (TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY)")
	}
	if s.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	if s.CAFile != "" {
		b, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS CA: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("TLS CA: no PEM certificate in %s", s.CAFile)
		}
	}
	if s.DisableHostVerification {
		// Go verifies the chain and the name together or neither; skip
		// both and do the chain here.
		c.InsecureSkipVerify = true
		roots := c.RootCAs
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("temporaltls: the server sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, ic := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}
	}
	return c, nil
}
