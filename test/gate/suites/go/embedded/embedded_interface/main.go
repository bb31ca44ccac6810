package main

type Notifier interface{ Notify(msg string) }

type Email struct{}

func (e Email) Notify(msg string) {}

type SMS struct{}

func (s *SMS) Notify(msg string) {}

type Service struct {
	Notifier
}

func (s *Service) Done() { s.Notify("done") }

func main() {
	s := &Service{Notifier: Email{}}
	s.Done()
}
