package auth_test

import "github.com/go-webauthn/webauthn/webauthn"

func fakeCredential() webauthn.Credential {
	return webauthn.Credential{ID: []byte("credential-1"), PublicKey: []byte{1, 2, 3}}
}
