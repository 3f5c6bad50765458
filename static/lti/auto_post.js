// The deep-linking answer goes back to the platform at once (LTI 1.3: an auto-submitted form post).
document.getElementById("lti-auto-post").submit();
