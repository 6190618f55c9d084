package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/store"
)

func notificationRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/notifications", summary: "my notifications (通知), newest first, each with its delivery state per channel (pending, delivered, failed: attempts, last error, next attempt); query: before, limit",
			response: NotificationList{}, handle: (*Server).myNotifications},
	}
}

// NotificationList is a page of the caller's notifications. Before is the
// cursor for the next (older) page; 0 when there is none.
type NotificationList struct {
	Notifications []NotificationItem `json:"notifications"`
	Before        int64              `json:"before,omitempty"`
}

// NotificationItem is one notification to the caller: one step of one
// case, with its delivery on every channel it was queued for.
type NotificationItem struct {
	ID         int64            `json:"id"`
	CaseNo     string           `json:"case_no"`
	WorkflowID string           `json:"workflow_id"`
	Seq        int64            `json:"seq"`
	Category   string           `json:"category"`
	Action     string           `json:"action"`
	Reason     string           `json:"reason"`
	Subject    string           `json:"subject"`
	Body       string           `json:"body"`
	StepAt     time.Time        `json:"step_at"`
	CreatedAt  time.Time        `json:"created_at"`
	Deliveries []DeliveryStatus `json:"deliveries"`
	// Read is whether the caller has seen the case up to this step, by
	// opening it or marking the notice read.
	Read bool `json:"read"`
}

// DeliveryStatus is where a notification's delivery on one channel stands.
type DeliveryStatus struct {
	Channel string `json:"channel"`
	Address string `json:"address,omitempty"`
	store.Delivery
}

func (s *Server) myNotifications(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	before := int64(0)
	limit, err := intParam(q, "limit", 50, 1, 200)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 1 {
			s.writeError(w, r, duty.Fail(duty.EInvalid, "request.param.positive", duty.Args{"Param": "before"}))
			return
		}
	}
	// One row per channel: read enough rows for limit notifications on
	// every channel, one more to know whether a further page exists.
	const maxChannels = 3
	rows, err := s.Store.NotificationsFor(r.Context(), c.person.ID, before, (limit+1)*maxChannels)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := NotificationList{Notifications: []NotificationItem{}}
	for _, n := range rows {
		last := len(out.Notifications) - 1
		if last >= 0 && out.Notifications[last].WorkflowID == n.WorkflowID && out.Notifications[last].Seq == n.Seq {
			it := &out.Notifications[last]
			it.ID = n.ID
			it.Deliveries = append(it.Deliveries, DeliveryStatus{Channel: n.Channel, Address: n.Address, Delivery: n.Delivery})
			continue
		}
		if len(out.Notifications) == limit {
			out.Before = out.Notifications[last].ID
			break
		}
		out.Notifications = append(out.Notifications, NotificationItem{ID: n.ID, CaseNo: n.CaseNo, WorkflowID: n.WorkflowID, Seq: n.Seq,
			Category: n.Category, Action: n.Action, Reason: n.Reason, Subject: n.Subject, Body: n.Body, StepAt: n.StepAt,
			CreatedAt: n.CreatedAt, Deliveries: []DeliveryStatus{{Channel: n.Channel, Address: n.Address, Delivery: n.Delivery}}})
	}
	ids := make([]string, 0, len(out.Notifications))
	for _, n := range out.Notifications {
		ids = append(ids, n.WorkflowID)
	}
	seen, err := s.Store.SeenSeqs(r.Context(), c.person.ID, ids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for i, n := range out.Notifications {
		out.Notifications[i].Read = seen[n.WorkflowID] >= n.Seq
	}
	writeJSON(w, http.StatusOK, out)
}
