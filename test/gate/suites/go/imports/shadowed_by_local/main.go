package main

import "example.com/x/config"

func main() {
	config, err := config.Fetch()
	if err != nil {
		return
	}
	config.Validate()
}
