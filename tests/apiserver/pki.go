package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Static-token users: name and groups. Every authenticated user is also in
// system:authenticated.
var tokenUsers = []struct {
	name   string
	groups []string
}{
	{name: "alice"},
	{name: "bob"},
	{name: "carol", groups: []string{"widget-operators"}},
}

// pki holds the certificates, keys and tokens of one server, as PEM in
// memory for the kubeconfig and as files for kube-apiserver's flags.
type pki struct {
	caCert                []byte
	adminCert, adminKey   []byte
	tokens                map[string]string // user name to bearer token
	caCertFile            string
	servingCertFile       string
	servingKeyFile        string
	adminCertFile         string
	adminKeyFile          string
	serviceAccountKeyFile string
	tokenFile             string
}

// pkiFiles names the files of a PKI in dir.
func pkiFiles(dir string) *pki {
	return &pki{
		caCertFile:            filepath.Join(dir, "ca.crt"),
		servingCertFile:       filepath.Join(dir, "apiserver.crt"),
		servingKeyFile:        filepath.Join(dir, "apiserver.key"),
		adminCertFile:         filepath.Join(dir, "admin.crt"),
		adminKeyFile:          filepath.Join(dir, "admin.key"),
		serviceAccountKeyFile: filepath.Join(dir, "service-account.key"),
		tokenFile:             filepath.Join(dir, "tokens.csv"),
		tokens:                map[string]string{},
	}
}

// openPKI reads back the PKI in dir/pki that an earlier start wrote, so that
// the certificates and tokens issued then stay valid, or writes a new one.
func openPKI(dir string) (*pki, error) {
	dir = filepath.Join(dir, "pki")
	_, err := os.Stat(dir)
	switch {
	case err == nil:
		return readPKI(dir)
	case errors.Is(err, fs.ErrNotExist):
		return writePKI(dir)
	default:
		return nil, err
	}
}

// writePKI creates a CA, a serving certificate for 127.0.0.1, an admin client
// certificate in group system:masters, the ServiceAccount signing key and the
// static token file in dir, which appears whole or not at all.
func writePKI(dir string) (*pki, error) {
	p := pkiFiles(dir)
	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTemplate := certificateTemplate(pkix.Name{CommonName: "lifecycle-apiserver-ca"})
	caTemplate.IsCA = true
	caTemplate.BasicConstraintsValid = true
	caTemplate.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p.caCert = certPEM(caDER)

	serving := certificateTemplate(pkix.Name{CommonName: "kube-apiserver"})
	serving.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	serving.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.IPv4(10, 0, 0, 1)}
	serving.DNSNames = []string{
		"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local",
	}
	servingCert, servingKey, err := issue(serving, ca, caKey)
	if err != nil {
		return nil, err
	}

	admin := certificateTemplate(pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}})
	admin.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	p.adminCert, p.adminKey, err = issue(admin, ca, caKey)
	if err != nil {
		return nil, err
	}

	saKey, err := newKey()
	if err != nil {
		return nil, err
	}
	// SEC 1, not PKCS #8: kube-apiserver reads public keys out of private-key
	// files only in that form.
	saKeyDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	saKeyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: saKeyDER})

	var tokens []byte
	for i, user := range tokenUsers {
		token, err := randomToken()
		if err != nil {
			return nil, err
		}
		p.tokens[user.name] = token
		// token,user,uid[,"group1,group2"]
		tokens = fmt.Appendf(tokens, "%s,%s,%s-uid-%d", token, user.name, user.name, i)
		if len(user.groups) > 0 {
			tokens = fmt.Appendf(tokens, ",%q", strings.Join(user.groups, ","))
		}
		tokens = append(tokens, '\n')
	}

	// Written beside dir and renamed: a start cut short leaves no half PKI
	// for the next start to read back.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".pki-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for path, data := range map[string][]byte{
		p.caCertFile:            p.caCert,
		p.servingCertFile:       servingCert,
		p.servingKeyFile:        servingKey,
		p.adminCertFile:         p.adminCert,
		p.adminKeyFile:          p.adminKey,
		p.serviceAccountKeyFile: saKeyPEM,
		p.tokenFile:             tokens,
	} {
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(path)), data, 0o600); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return p, nil
}

// readPKI reads back what writePKI wrote in dir: the files kube-apiserver
// reads are only checked for, the rest goes into memory for the kubeconfig.
func readPKI(dir string) (*pki, error) {
	p := pkiFiles(dir)
	for _, path := range []string{p.servingCertFile, p.servingKeyFile, p.serviceAccountKeyFile} {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
	}
	var err error
	for path, data := range map[string]*[]byte{
		p.caCertFile:    &p.caCert,
		p.adminCertFile: &p.adminCert,
		p.adminKeyFile:  &p.adminKey,
	} {
		if *data, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	}
	if err := checkNotExpired(p.caCertFile, p.caCert); err != nil {
		return nil, err
	}
	tokens, err := os.ReadFile(p.tokenFile)
	if err != nil {
		return nil, err
	}
	reader := csv.NewReader(bytes.NewReader(tokens))
	reader.FieldsPerRecord = -1 // the groups column is optional
	records, err := reader.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p.tokenFile, err)
	}
	for _, record := range records {
		if len(record) >= 2 {
			p.tokens[record[1]] = record[0]
		}
	}
	for _, user := range tokenUsers {
		if p.tokens[user.name] == "" {
			return nil, fmt.Errorf("%s has no token for %s", p.tokenFile, user.name)
		}
	}
	return p, nil
}

// checkNotExpired refuses a certificate read back after its validity ended:
// everything written with it is as old, and clients would be refused.
func checkNotExpired(path string, certPEM []byte) error {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if time.Now().After(cert.NotAfter) {
		return fmt.Errorf("%s expired at %v: start in a new data directory", path, cert.NotAfter)
	}
	return nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func certificateTemplate(subject pkix.Name) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
}

// issue signs template with the CA and returns the certificate and a fresh
// key, both PEM.
func issue(template, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (cert, key []byte, err error) {
	k, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca, k.Public(), caKey)
	if err != nil {
		return nil, nil, err
	}
	key, err = keyPEM(k)
	return certPEM(der), key, err
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// keyPEM encodes PKCS#8, which Go, rustls and OpenSSL clients all read.
func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
