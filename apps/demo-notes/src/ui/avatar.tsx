import type { PresenceState } from '../model/identity'

const initials = (name: string): string =>
  name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase()

export function Avatar({ person, title }: { person: Pick<PresenceState, 'name' | 'color'>; title?: string }) {
  return (
    <span className="avatar" style={{ background: person.color }} title={title ?? person.name} data-person={person.name}>
      {initials(person.name)}
    </span>
  )
}

export function Avatars({ people, max = 4 }: { people: readonly PresenceState[]; max?: number }) {
  if (people.length === 0) return null
  const shown = people.slice(0, max)
  return (
    <span className="avatars">
      {shown.map((p) => (
        <Avatar key={p.id} person={p} />
      ))}
      {people.length > max && <span className="avatar more">+{people.length - max}</span>}
    </span>
  )
}
