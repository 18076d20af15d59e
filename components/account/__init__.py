"""The Account page's parts (guardians and contact details, invitations, payment permission,
Change Password, account activity) and the password forms of the e-mailed links."""
