package main

import "example.com/x/repo"

func main() {
	r := repo.Open()
	r.Find(1)
	defer r.Close()
	go r.Find(2)
}
