import './style.css';
// A single hero, imported straight from its Markdown file.
import featuredHero from '../posts/split-keyboard.md?hero';
import { renderPicture } from './picture.js';
import { formatDate, posts } from './posts.js';

function link(slug: string): string {
  return `./post.html?p=${encodeURIComponent(slug)}`;
}

function card(post: (typeof posts)[number], featured = false): HTMLElement {
  const article = document.createElement('article');
  article.className = featured ? 'card card--featured' : 'card';
  const anchor = document.createElement('a');
  anchor.href = link(post.slug);
  anchor.className = 'card__link';
  const hero = featured ? featuredHero : post.hero;
  if (hero) {
    anchor.append(
      renderPicture(hero, {
        loading: featured ? 'eager' : 'lazy',
        sizes: featured ? '(min-width: 1040px) 960px, 100vw' : '(min-width: 720px) 45vw, 100vw',
      }),
    );
  }
  const body = document.createElement('div');
  body.className = 'card__body';
  body.innerHTML = `
    <time datetime="${post.date}">${formatDate(post.date)}</time>
    <h2 class="card__title"></h2>
    <p></p>`;
  (body.querySelector('h2') as HTMLElement).textContent = post.title;
  (body.querySelector('p') as HTMLElement).textContent = post.description;
  anchor.append(body);
  article.append(anchor);
  return article;
}

const featured = posts.find((post) => post.slug === 'split-keyboard');
const featuredSlot = document.querySelector('#featured');
if (featured && featuredSlot) featuredSlot.append(card(featured, true));

const grid = document.querySelector('#posts');
for (const post of posts) {
  if (post !== featured) grid?.append(card(post));
}
