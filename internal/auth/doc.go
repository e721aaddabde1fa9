// Package auth is who may use a node's console and API: users of one
// nation with a role (leader, official, watch officer, observer, admin),
// passwords hashed with argon2id (RFC 9106), WebAuthn passkeys (W3C Web
// Authentication Level 3) for leaders and officials, server-side sessions
// carried in HttpOnly SameSite=Strict cookies, login rate limits and
// lockout, and an audit hook for every security action.
//
// Certificates (nodes, leaf links, sensors) are internal/pki's job; this
// package is about people.
package auth
