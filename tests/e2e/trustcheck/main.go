// trustcheck GETs each URL given with Go's default HTTPS client, which verifies the server
// against the roots Go loads from SSL_CERT_FILE / SSL_CERT_DIR (as Packer and the Terraform
// provider do), and prints one line per URL: "ok URL STATUS" or "fail URL ERROR".
// It exits 1 if any URL failed.
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	client := &http.Client{Timeout: 10 * time.Second}
	failed := false
	for _, url := range os.Args[1:] {
		response, err := client.Get(url)
		if err != nil {
			fmt.Printf("fail %s %v\n", url, err)
			failed = true
			continue
		}
		response.Body.Close()
		fmt.Printf("ok %s %d\n", url, response.StatusCode)
	}
	if failed {
		os.Exit(1)
	}
}
