package archive

// ByCommandLine is recorded as the author of user changes made by the
// dossier command line, which works on the object store with no logged-in
// user.
const ByCommandLine = "cli"
