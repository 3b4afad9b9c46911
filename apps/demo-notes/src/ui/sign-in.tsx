import { type FormEvent, useState } from 'react'

/** The dev sign-in of a server that checks tokens: any name, no password (a demo). */
export function SignIn({ onSignedIn }: { onSignedIn(): void }) {
  const [name, setName] = useState('')
  const [error, setError] = useState<string | null>(null)
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    const res = await fetch('/api/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
    if (res.ok) onSignedIn()
    else setError('Could not sign in: enter a name.')
  }
  return (
    <main className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <h1>Weft Notes</h1>
        <p>This server checks who you are: sign in to get a token for the notes. (Dev sign-in: any name, no password.)</p>
        <input aria-label="Your name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Your name" />
        <button type="submit" className="primary">
          Sign in
        </button>
        {error && <p role="alert">{error}</p>}
      </form>
    </main>
  )
}
