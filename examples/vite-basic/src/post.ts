import './style.css';
import { renderPicture } from './picture.js';
import { formatDate, posts } from './posts.js';

const slug = new URLSearchParams(location.search).get('p');
const post = posts.find((candidate) => candidate.slug === slug) ?? posts[0];
const root = document.querySelector('#post');

if (post && root) {
  document.title = `${post.title} · Field Notes`;
  const header = document.createElement('header');
  header.className = 'post__header';
  header.innerHTML = '<time></time><h1></h1><p class="post__lede"></p>';
  (header.querySelector('time') as HTMLElement).textContent = formatDate(post.date);
  (header.querySelector('h1') as HTMLElement).textContent = post.title;
  (header.querySelector('.post__lede') as HTMLElement).textContent = post.description;
  root.append(header);
  if (post.hero) {
    root.append(renderPicture(post.hero, { loading: 'eager', className: 'post__hero' }));
    const og = document.createElement('meta');
    og.setAttribute('property', 'og:image');
    og.content = new URL(post.hero.og.src, location.href).href;
    document.head.append(og);
  }
  const body = document.createElement('div');
  body.className = 'post__body';
  body.innerHTML = post.html;
  root.append(body);
}
