package main

import (
	"context"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const (
	clusterName  = "lifecycle-e2e"
	adminContext = "admin"
	// Long enough for any test run, restarts in a data directory included.
	serviceAccountTokenLifetime = 24 * time.Hour
	readyTimeout                = 2 * time.Minute
)

// adminClient is a client authenticated by the admin client certificate.
func adminClient(url string, p *pki) (*kubernetes.Clientset, error) {
	return kubernetes.NewForConfig(&rest.Config{
		Host: url,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   p.caCert,
			CertData: p.adminCert,
			KeyData:  p.adminKey,
		},
	})
}

// waitHealthy polls /healthz, then /readyz: the second only answers once the
// first does, and passes once every post-start hook (RBAC bootstrap roles,
// priority and fairness, the CRD informers) has finished.
func waitHealthy(ctx context.Context, client *kubernetes.Clientset) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for _, path := range []string{"/healthz", "/readyz"} {
		for {
			body, err := client.Discovery().RESTClient().Get().AbsPath(path).DoRaw(ctx)
			if err == nil && string(body) == "ok" {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s did not pass within %v: %v", path, readyTimeout, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// issueServiceAccountToken creates the namespace and the ServiceAccount
// unless they exist (a restart in a data directory finds them) and asks the
// TokenRequest API for a token, as `kubectl create token` does: the server
// authenticates it as system:serviceaccount:NAMESPACE:NAME. A token issued by
// an earlier start stays valid: the signing key and the ServiceAccount are the
// same.
func issueServiceAccountToken(ctx context.Context, client *kubernetes.Clientset, sa serviceAccountName) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: sa.Namespace}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", err
	}
	account := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa.Name}}
	if _, err := client.CoreV1().ServiceAccounts(sa.Namespace).Create(ctx, account, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", err
	}
	seconds := int64(serviceAccountTokenLifetime / time.Second)
	request := &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds},
	}
	issued, err := client.CoreV1().ServiceAccounts(sa.Namespace).CreateToken(ctx, sa.Name, request, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return issued.Status.Token, nil
}

// writeKubeconfig writes one context per identity, admin current, atomically
// so that a reader never sees a partial file.
func writeKubeconfig(path, url string, p *pki, sa serviceAccountName, saToken string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters[clusterName] = &clientcmdapi.Cluster{Server: url, CertificateAuthorityData: p.caCert}
	addContext := func(name, namespace string, auth *clientcmdapi.AuthInfo) {
		kc.AuthInfos[name] = auth
		kc.Contexts[name] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: name, Namespace: namespace}
	}
	addContext(adminContext, "default", &clientcmdapi.AuthInfo{
		ClientCertificateData: p.adminCert,
		ClientKeyData:         p.adminKey,
	})
	for _, user := range tokenUsers {
		addContext(user.name, "default", &clientcmdapi.AuthInfo{Token: p.tokens[user.name]})
	}
	addContext(sa.Name, sa.Namespace, &clientcmdapi.AuthInfo{Token: saToken})
	kc.CurrentContext = adminContext
	data, err := clientcmd.Write(*kc)
	if err != nil {
		return fmt.Errorf("encoding kubeconfig: %w", err)
	}

	if err := writeFileAtomically(path, data); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}
	return nil
}
