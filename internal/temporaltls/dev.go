// Package temporaltls holds what duty needs to talk to Temporal over
// mutual TLS: the private CA, server and client certificates that `duty
// dev` keeps in its data folder for the embedded server, and the client
// settings (TEMPORAL_TLS_*) for an external cluster.
//
// It uses the standard library only, so its tests build in seconds: it
// must never import go.temporal.io/server (see package devserver).
package temporaltls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	// Validity is how long generated certificates last. A year keeps a
	// stolen copy of an old data folder from working for ever, and a
	// restart renews them well before they run out (RenewBefore).
	Validity = 365 * 24 * time.Hour
	// RenewBefore: certificates with less than this left are replaced at
	// start, so that a `duty dev` left running for weeks does not see its
	// own certificates expire under it.
	RenewBefore = 30 * 24 * time.Hour
)

// The files in the certificate folder. The CA's private key is not among
// them: it signs the two certificates when they are made and is then
// dropped, so nothing on disk can issue another certificate the server
// would trust.
const (
	CAFile         = "ca.pem"
	ServerCertFile = "server.pem"
	ServerKeyFile  = "server-key.pem"
	ClientCertFile = "client.pem"
	ClientKeyFile  = "client-key.pem"
)

// defaultHosts are the names every server certificate carries: the
// embedded server only ever listens on loopback.
var defaultHosts = []string{"127.0.0.1", "::1", "localhost"}

// Dev is the certificate set of one data folder: a private CA, a server
// certificate for the embedded Temporal server's loopback addresses, and
// a client certificate for duty's own processes.
type Dev struct {
	// Dir is the folder holding the files (mode 0700, files 0600).
	Dir string
	// CA is the private CA both certificates chain to.
	CA *x509.Certificate
	// Server is the embedded server's certificate; the server also
	// presents it as a client to its own services.
	Server tls.Certificate
	// Client is the certificate of duty's API, worker and Web UI.
	Client tls.Certificate
	// NotAfter is when the first of the three certificates expires.
	NotAfter time.Time
	// Generated says why the set was made on this call ("" when the one
	// on disk was reused), for the start-up message.
	Generated string
}

// EnsureDev loads the certificate set in dir, or generates a new one when
// there is none, when any certificate expires within RenewBefore of now,
// when the files do not form a valid set (a half-written folder, a key
// that does not match), or when the server certificate lacks one of
// hosts (names or IP addresses beyond the loopback ones it always has).
func EnsureDev(dir string, hosts []string, now time.Time) (*Dev, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	// MkdirAll leaves an existing folder's mode alone: the keys must not
	// be readable by other users even if the folder was made by hand.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	all := slices.Clone(defaultHosts)
	for _, h := range hosts {
		if h != "" && !slices.Contains(all, h) {
			all = append(all, h)
		}
	}
	hosts = all
	d, why, err := load(dir, hosts, now)
	if err != nil {
		return nil, err
	}
	if why == "" {
		return d, nil
	}
	d, err = generate(dir, hosts, now)
	if err != nil {
		return nil, err
	}
	d.Generated = why
	return d, nil
}

// CAPath, ClientCertPath and ClientKeyPath are the files another process
// (a `duty worker` attached to `duty dev`) passes as TEMPORAL_TLS_CA,
// TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY.
func (d *Dev) CAPath() string { return filepath.Join(d.Dir, CAFile) }

// ClientCertPath is the client certificate's file; see CAPath.
func (d *Dev) ClientCertPath() string { return filepath.Join(d.Dir, ClientCertFile) }

// ClientKeyPath is the client key's file; see CAPath.
func (d *Dev) ClientKeyPath() string { return filepath.Join(d.Dir, ClientKeyFile) }

// ClientPEM is the CA certificate and the client's certificate and key as
// PEM, for a client (the Web UI's) that takes them inline.
func (d *Dev) ClientPEM() (ca, cert, key []byte, err error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(d.Client.PrivateKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("temporaltls: %w", err)
	}
	return pemBlock("CERTIFICATE", d.CA.Raw), pemBlock("CERTIFICATE", d.Client.Leaf.Raw), pemBlock("PRIVATE KEY", keyDER), nil
}

func (d *Dev) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(d.CA)
	return p
}

// FrontendServerConfig is the frontend's listener: only a client with a
// certificate from this set's CA gets past the handshake.
func (d *Dev) FrontendServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{d.Server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    d.pool(),
	}
}

// InternodeServerConfig is the listener of the history, matching and
// worker services. Only the server's own certificate is let in: duty's
// client talks to the frontend, never to a service behind it, so a
// stolen client certificate does not reach past the frontend's checks.
func (d *Dev) InternodeServerConfig() *tls.Config {
	c := d.FrontendServerConfig()
	own := d.Server.Leaf.Raw
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 || !slices.Equal(cs.PeerCertificates[0].Raw, own) {
			return errors.New("temporaltls: internode peer is not the server's own certificate")
		}
		return nil
	}
	return c
}

// ClientConfig is duty's client of the frontend: its certificate, and the
// CA as the only root the server's certificate may chain to.
func (d *Dev) ClientConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{d.Client}, RootCAs: d.pool()}
}

// PeerConfig is the server's client of its own services (internode, and
// the system worker's calls to the frontend).
func (d *Dev) PeerConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{d.Server}, RootCAs: d.pool()}
}

// load reads the set in dir; why is "" when it can be used as it is, or
// the reason to make a new one. err is only for files that exist but
// cannot be read, which a new set would not mend.
func load(dir string, hosts []string, now time.Time) (d *Dev, why string, err error) {
	read := func(name string) ([]byte, error) {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		// A copy restored from a backup may have come back readable by all.
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, err
		}
		return b, nil
	}
	files := map[string][]byte{}
	for _, name := range []string{CAFile, ServerCertFile, ServerKeyFile, ClientCertFile, ClientKeyFile} {
		b, err := read(name)
		if errors.Is(err, os.ErrNotExist) {
			if name == CAFile { // written last: without it there is no whole set
				return nil, "there were none", nil
			}
			return nil, name + " is missing", nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("temporaltls: %w", err)
		}
		files[name] = b
	}
	block, _ := pem.Decode(files[CAFile])
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, CAFile + " holds no certificate", nil
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		return nil, CAFile + " holds no CA certificate", nil
	}
	d = &Dev{Dir: dir, CA: ca, NotAfter: ca.NotAfter}
	pool := d.pool()
	for _, leaf := range []struct {
		cert, key string
		into      *tls.Certificate
		usage     x509.ExtKeyUsage
	}{
		{ServerCertFile, ServerKeyFile, &d.Server, x509.ExtKeyUsageServerAuth},
		{ClientCertFile, ClientKeyFile, &d.Client, x509.ExtKeyUsageClientAuth},
	} {
		pair, err := tls.X509KeyPair(files[leaf.cert], files[leaf.key])
		if err != nil {
			return nil, fmt.Sprintf("%s and %s do not match", leaf.cert, leaf.key), nil
		}
		// Checked at the renewal point rather than now: a certificate that
		// is valid today but runs out within RenewBefore is replaced too.
		if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now.Add(RenewBefore),
			KeyUsages: []x509.ExtKeyUsage{leaf.usage}}); err != nil {
			return nil, fmt.Sprintf("%s is not valid until %s: %v", leaf.cert, now.Add(RenewBefore).Format(time.DateOnly), err), nil
		}
		*leaf.into = pair
		d.NotAfter = earlier(d.NotAfter, pair.Leaf.NotAfter)
	}
	for _, h := range hosts {
		if err := d.Server.Leaf.VerifyHostname(h); err != nil {
			return nil, ServerCertFile + " does not name " + h, nil
		}
	}
	return d, "", nil
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// generate makes a new CA, signs a server and a client certificate with
// it, writes them to dir and forgets the CA's key.
func generate(dir string, hosts []string, now time.Time) (*Dev, error) {
	notBefore := now.Add(-time.Hour) // another process's clock may lag a little
	notAfter := now.Add(Validity)
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	caTemplate := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "duty embedded Temporal CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := create(caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	server := &x509.Certificate{
		Subject:   pkix.Name{CommonName: "duty embedded Temporal server"},
		NotBefore: notBefore,
		NotAfter:  notAfter,
		KeyUsage:  x509.KeyUsageDigitalSignature,
		// ClientAuth as well: the server dials its own services with it.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else {
			server.DNSNames = append(server.DNSNames, h)
		}
	}
	client := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "duty"},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	out := map[string][]byte{CAFile: pemBlock("CERTIFICATE", caDER)}
	for _, leaf := range []struct {
		template  *x509.Certificate
		cert, key string
	}{{server, ServerCertFile, ServerKeyFile}, {client, ClientCertFile, ClientKeyFile}} {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("temporaltls: %w", err)
		}
		der, err := create(leaf.template, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("temporaltls: %w", err)
		}
		out[leaf.cert] = pemBlock("CERTIFICATE", der)
		out[leaf.key] = pemBlock("PRIVATE KEY", keyDER)
	}
	// Keys first, the CA last: a start interrupted half-way leaves a set
	// that fails load's checks and is made again, never a mix that passes.
	for _, name := range []string{ServerKeyFile, ServerCertFile, ClientKeyFile, ClientCertFile, CAFile} {
		if err := writePrivate(filepath.Join(dir, name), out[name]); err != nil {
			return nil, err
		}
	}
	d := &Dev{Dir: dir, CA: ca, NotAfter: notAfter}
	if d.Server, err = tls.X509KeyPair(out[ServerCertFile], out[ServerKeyFile]); err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	if d.Client, err = tls.X509KeyPair(out[ClientCertFile], out[ClientKeyFile]); err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	return d, nil
}

func create(template, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	template.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("temporaltls: %w", err)
	}
	return der, nil
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

// writePrivate replaces path with b, mode 0600, through a temporary file
// renamed over it so that no reader sees half a file.
func writePrivate(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*") // CreateTemp makes it 0600
	if err != nil {
		return fmt.Errorf("temporaltls: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("temporaltls: %w", err)
	}
	return nil
}
