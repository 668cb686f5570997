package mailtest

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		wantSubject string
		wantText    string
	}{
		{"plain_8bit",
			"Subject: wk | Hi\r\nContent-Type: text/plain; charset=UTF-8\r\n" +
				"Content-Transfer-Encoding: 8bit\r\n\r\nHello Zo\u00eb,\r\nline two\r\n",
			"wk | Hi", "Hello Zo\u00eb,\nline two\n"},
		{"quoted_printable",
			"Subject: =?UTF-8?q?Passwort_zur=C3=BCcksetzen?=\r\n" +
				"Content-Type: text/plain; charset=UTF-8\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
				"https://wk.example.org/x?token=3Dabc=\r\ndef\r\n",
			"Passwort zur\u00fccksetzen", "https://wk.example.org/x?token=abcdef\n"},
		{"base64",
			"Subject: b64\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				"SGVsbG8g\r\nQWRh\r\n",
			"b64", "Hello Ada"},
		{"multipart_alternative",
			"Subject: multi\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: multipart/alternative; boundary=XYZ\r\n\r\n" +
				"--XYZ\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n" +
				"--XYZ\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
				"token=3Dabc\r\n--XYZ--\r\n",
			"multi", "token=abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse([]byte(tt.raw))
			if m.Err != nil {
				t.Fatalf("Parse() Err = %v", m.Err)
			}
			if m.Subject != tt.wantSubject {
				t.Errorf("Parse() Subject = %q, want %q", m.Subject, tt.wantSubject)
			}
			if m.Text != tt.wantText {
				t.Errorf("Parse() Text = %q, want %q", m.Text, tt.wantText)
			}
		})
	}
}

func TestParseBroken(t *testing.T) {
	m := Parse([]byte("no header block at all"))
	if m.Err == nil || !strings.Contains(m.Err.Error(), "read message") {
		t.Errorf("Parse(garbage) Err = %v, want a read message error", m.Err)
	}
}
