// chat.js: the app's one chat client
import { createClient, uniAppAdapter } from 'minichat-client'

const CHAT_URL = 'wss://chat.example.com/ws'

let chat = null
const waiting = []

/** Starts the client when the user has a token: at launch, or after logging in. */
export function startChat() {
  if (chat || !uni.getStorageSync('token')) return chat
  chat = createClient({
    url: CHAT_URL,
    // asked again before every connect
    token: () => uni.getStorageSync('token'),
    // uni is passed in: uni-app gives it to app code, not to packages
    adapter: uniAppAdapter(uni),
    // resume where the last session stopped
    cursor: uni.getStorageSync('chatCursor') || 0,
  })
  chat.on('cursor', (cursor) => uni.setStorageSync('chatCursor', cursor))
  chat.on('unread', ({ countNum }) => {
    if (countNum > 0) uni.showTabBarRedDot({ index: 2 })
    else uni.hideTabBarRedDot({ index: 2 })
  })
  chat.on('state', ({ state }) => {
    // the server refused the token: log in again, then loggedIn(token)
    if (state === 'auth') uni.$emit('chatNeedsLogin')
  })
  chat.on('error', (e) => console.warn('chat', e.code, e.message))
  // the count as it is now (then kept current by pushes)
  chat.unread().catch(() => {})
  waiting.splice(0).forEach((fn) => fn(chat))
  return chat
}

/** The client, or null before login. */
export function getChat() {
  return chat
}

/** Calls fn with the client now, or once it has started. */
export function withChat(fn) {
  if (chat) fn(chat)
  else waiting.push(fn)
}

/** After a login: keep the token, start the client or hand it the new token. */
export function loggedIn(token) {
  uni.setStorageSync('token', token)
  if (chat) chat.setToken(() => uni.getStorageSync('token'))
  else startChat()
}

export function logout() {
  if (chat) chat.close()
  chat = null
  uni.removeStorageSync('token')
}
