// Reads a secret through keyward agent (or the AWS Secrets Manager Agent)
// with the Go standard library. UNTESTED here: no Go toolchain on the build
// machine. Usage: go run get_secret.go SECRET_ID
// Env: AGENT_URL (default http://localhost:2773), TOKEN_FILE or AWS_TOKEN.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

type getSecretValue struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionID     string   `json:"VersionId"`
	SecretString  string   `json:"SecretString"`
	SecretBinary  []byte   `json:"SecretBinary"` // base64 in JSON
	VersionStages []string `json:"VersionStages"`
	CreatedDate   string   `json:"CreatedDate"`
}

func token() (string, error) {
	path := os.Getenv("TOKEN_FILE")
	if v := os.Getenv("AWS_TOKEN"); path == "" && strings.HasPrefix(v, "file://") {
		path = strings.TrimPrefix(v, "file://")
	}
	if path == "" {
		return os.Getenv("AWS_TOKEN"), nil
	}
	b, err := os.ReadFile(path)
	return strings.TrimSpace(string(b)), err
}

func getSecret(id string) (*getSecretValue, error) {
	base := os.Getenv("AGENT_URL")
	if base == "" {
		base = "http://localhost:2773"
	}
	tok, err := token()
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest("GET", base+"/secretsmanager/get?secretId="+url.QueryEscape(id), nil)
	req.Header.Set("X-Aws-Parameters-Secrets-Token", tok)
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("agent answered %d: %.200s", res.StatusCode, body)
	}
	var out getSecretValue
	return &out, json.Unmarshal(body, &out)
}

func main() {
	s, err := getSecret(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(s.Name, s.VersionID) // use s.SecretString; never log it
}
