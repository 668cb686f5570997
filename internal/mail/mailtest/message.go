package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is one mail the sink received.
type Message struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To lists the envelope recipients (RCPT TO).
	To []string
	// Header is the parsed message header.
	Header mail.Header
	// Subject is the decoded Subject header.
	Subject string
	// Text is the decoded text/plain body with LF line endings: quoted-printable and
	// base64 are undone, and for multipart mail it is the first text/plain part.
	Text string
	// Raw is the message exactly as it arrived after the DATA command.
	Raw []byte
	// Err says why the message could not be parsed; Header and Text are then partial.
	Err error
}

// Parse reads a raw RFC 5322 message the way the sink does, so tests can check outbox
// files with the same code. from and to are left empty.
func Parse(raw []byte) Message {
	return parse("", nil, raw)
}

func parse(from string, to []string, raw []byte) Message {
	m := Message{From: from, To: append([]string(nil), to...), Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.Err = fmt.Errorf("read message: %w", err)
		return m
	}
	m.Header = msg.Header

	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		m.Err = fmt.Errorf("decode subject: %w", err)
	}

	text, err := textBody(msg.Header.Get("Content-Type"),
		msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		m.Err = fmt.Errorf("decode body: %w", err)
	}
	m.Text = strings.ReplaceAll(text, "\r\n", "\n")
	return m
}

// textBody returns the decoded text/plain content of a body with the given headers.
func textBody(contentType, encoding string, body io.Reader) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mediaType, err = "text/plain", nil
	}
	if err != nil {
		return "", fmt.Errorf("parse content type %q: %w", contentType, err)
	}

	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return "", nil
			}
			if err != nil {
				return "", fmt.Errorf("read part: %w", err)
			}
			// NextPart undoes quoted-printable itself and drops the header.
			text, err := textBody(part.Header.Get("Content-Type"),
				part.Header.Get("Content-Transfer-Encoding"), part)
			if err != nil || text != "" {
				return text, err
			}
		}
	}
	if mediaType != "text/plain" {
		return "", nil
	}

	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks itself
	}
	b, err := io.ReadAll(body)
	return string(b), err
}
