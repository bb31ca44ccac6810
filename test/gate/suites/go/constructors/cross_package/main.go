package main

import "example.com/x/service"

func main() {
	svc := service.New()
	svc.Run()
	w, _ := service.NewWorker(2)
	w.Run()
}
