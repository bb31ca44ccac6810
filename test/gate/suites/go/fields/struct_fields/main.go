package main

type Repo struct{}

func (r *Repo) Save() {}

type Mailer struct{}

func (m *Mailer) Save() {}

func (m *Mailer) Send() {}

type Svc struct {
	repo  *Repo
	mail  Mailer
	items []*Repo
	byID  map[string]*Repo
}

func (s *Svc) Store() { s.repo.Save() }

func (s *Svc) All() {
	for _, it := range s.items {
		it.Save()
	}
	s.byID["a"].Save()
	s.mail.Send()
}

func main() {
	s := &Svc{}
	s.Store()
	s.All()
}
