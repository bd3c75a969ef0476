package qualyssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// jwtClaims mirror the claims of a real gateway token (Qualys OCA docs), plus
// "qflowsim" so a simulator token is recognisable.
type jwtClaims struct {
	Sub                             string   `json:"sub"`
	LoginResponse                   string   `json:"loginResponse"`
	SuccessfulAuthenticationHandler []string `json:"successfulAuthenticationHandlers"`
	Iss                             string   `json:"iss"`
	Aud                             string   `json:"aud"`
	IPAddress                       string   `json:"ipAddress"`
	PortalUserID                    int64    `json:"portalUserId"`
	UserType                        string   `json:"usertype"`
	QwebUserID                      int64    `json:"qwebUserId"`
	CredentialType                  string   `json:"credentialType"`
	ModulesAllowed                  []string `json:"modulesAllowed"`
	Iat                             int64    `json:"iat"`
	Exp                             int64    `json:"exp"`
	Jti                             string   `json:"jti"`
	QflowSim                        string   `json:"qflowsim"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS512"}`))

// jwtSecret derives the per-server signing key from the seed.
func jwtSecret(seed int64) []byte {
	sum := sha256.Sum256([]byte("qualyssim-jwt:" + strconv.FormatInt(seed, 10)))
	return sum[:]
}

func (s *Server) signJWT(c jwtClaims) string {
	body, _ := json.Marshal(c) // plain struct: cannot fail
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(body)
	mac := hmac.New(sha512.New, s.secret)
	mac.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// verifyJWT checks the bearer token of r and returns the subscription it
// was issued for (its subject), or a gateway 401.
func (s *Server) verifyJWT(r *http.Request) (*subscription, error) {
	authz := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(authz, " ")
	if authz == "" {
		return nil, gatewayError(http.StatusUnauthorized, "Full authentication is required to access this resource: missing Authorization: Bearer <token>")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, gatewayError(http.StatusUnauthorized, "Authorization header must use the Bearer scheme")
	}
	tok = strings.TrimSpace(tok)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return nil, gatewayError(http.StatusUnauthorized, "Invalid JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, gatewayError(http.StatusUnauthorized, "Invalid JWT signature")
	}
	mac := hmac.New(sha512.New, s.secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, gatewayError(http.StatusUnauthorized, "Invalid JWT signature")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c jwtClaims
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return nil, gatewayError(http.StatusUnauthorized, "Invalid JWT")
	}
	sub := s.byUser[c.Sub]
	if c.Iss != "qas" || c.Aud != "qas" || sub == nil {
		return nil, gatewayError(http.StatusUnauthorized, "Invalid JWT claims")
	}
	if s.cfg.Now().Unix() >= c.Exp {
		return nil, gatewayError(http.StatusUnauthorized, "JWT expired")
	}
	return sub, nil
}

// login returns the subscription whose credentials these are, or nil.
func (s *Server) login(user, pass string) *subscription {
	var found *subscription
	for _, sub := range s.subs {
		if subtle.ConstantTimeCompare([]byte(user), []byte(sub.username)) == 1 {
			found = sub
		}
	}
	if subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password)) != 1 {
		return nil
	}
	return found
}

// handleAuth serves POST /auth: form username, password (token=true optional)
// → 201 with the bare JWT as body.
func (s *Server) handleAuth(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return gatewayError(http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return gatewayError(http.StatusBadRequest, "Invalid form body: "+err.Error())
	}
	user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	sub := s.login(user, pass)
	if sub == nil {
		return gatewayError(http.StatusUnauthorized, "Bad credentials: invalid username or password")
	}
	now := s.cfg.Now()
	ip, _, _ := strings.Cut(r.RemoteAddr, ":")
	tok := s.signJWT(jwtClaims{
		Sub: user, LoginResponse: "SUCCESSFUL", SuccessfulAuthenticationHandler: []string{"QWEB_AUTHENTICATION_HANDLER"},
		Iss: "qas", Aud: "qas", IPAddress: ip, PortalUserID: 4815162342 + int64(sub.idx), UserType: "fo", QwebUserID: 123456789 + int64(sub.idx),
		CredentialType: "UsernamePasswordCredential", ModulesAllowed: []string{"ADMIN", "ASSET INVENTORY", "CSAM", "VM", "PC", "CA"},
		Iat: now.Unix(), Exp: now.Add(s.cfg.TokenTTL).Unix(), Jti: strconv.FormatInt(s.tokenSeq.Add(1), 10),
		QflowSim: "seed-" + strconv.FormatInt(s.cfg.Seed, 10),
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(tok))
	return nil
}
